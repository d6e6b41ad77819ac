"""The ``json`` serialization format, with sealed fields as ciphertext (see ``serializers``)."""

from django.core.serializers.json import Deserializer

from seip.keys.serializers import JsonSerializer as Serializer

__all__ = ["Deserializer", "Serializer"]
