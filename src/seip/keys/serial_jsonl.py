"""The ``jsonl`` serialization format, with sealed fields as ciphertext (see ``serializers``)."""

from django.core.serializers.jsonl import Deserializer

from seip.keys.serializers import JsonlSerializer as Serializer

__all__ = ["Deserializer", "Serializer"]
