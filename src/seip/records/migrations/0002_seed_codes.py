"""Seed the DfE code lists and the safeguarding concern categories as data."""

from django.db import migrations

SEN_PROVISION = [
    ("N", "No special educational need"),
    ("K", "SEN support"),
    ("E", "Education, health and care plan"),
]
SEN_NEED = [
    ("SPLD", "Specific learning difficulty"),
    ("MLD", "Moderate learning difficulty"),
    ("SLD", "Severe learning difficulty"),
    ("PMLD", "Profound and multiple learning difficulty"),
    ("SEMH", "Social, emotional and mental health"),
    ("SLCN", "Speech, language and communication needs"),
    ("HI", "Hearing impairment"),
    ("VI", "Vision impairment"),
    ("MSI", "Multi-sensory impairment"),
    ("PD", "Physical disability"),
    ("ASD", "Autistic spectrum disorder"),
    ("OTH", "Other difficulty or disability"),
    ("NSA", "SEN support but no specialist assessment of type of need"),
]
YES_NO = [("Y", "Yes"), ("N", "No")]
CATEGORIES = [
    ("physical-abuse", "Physical abuse"),
    ("emotional-abuse", "Emotional abuse"),
    ("sexual-abuse", "Sexual abuse"),
    ("neglect", "Neglect"),
    ("domestic-abuse", "Domestic abuse"),
    ("child-criminal-exploitation", "Child criminal exploitation"),
    ("child-sexual-exploitation", "Child sexual exploitation"),
    ("radicalisation", "Radicalisation"),
    ("self-harm", "Self-harm or suicidal thoughts"),
    ("online-safety", "Online safety"),
    ("missing-education", "Missing from education"),
    ("other", "Other"),
]


def seed(apps, schema_editor):
    NeedCode = apps.get_model("records", "NeedCode")
    ConcernCategory = apps.get_model("records", "ConcernCategory")
    for scheme, codes in (("sen_provision", SEN_PROVISION), ("sen_need", SEN_NEED),
                          ("yes_no", YES_NO)):
        for position, (code, label) in enumerate(codes):
            NeedCode.objects.update_or_create(
                scheme=scheme, code=code, defaults={"label": label, "position": position}
            )
    for position, (code, label) in enumerate(CATEGORIES):
        ConcernCategory.objects.update_or_create(
            code=code, defaults={"label": label, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
