"""The DfE code lists a CTF is checked against, kept as data so a new code is one edit.

Sources: ``shared/domain/uk-school-data.md`` ("Other code lists", "UPN"). The reference
marks the full ethnicity list and the contact relationship codes as unconfirmed: where
they and the DfE's current CTF specification disagree, the specification is right and
the tables below should change.
"""


def _words(text: str) -> list[str]:
    return text.split()


#: CTF versions this importer reads: 12.0 (2012/13) to 25.0 (2025/26).
MIN_VERSION = (12, 0)
MAX_VERSION = (25, 0)

#: LEA and Estab sentinels: destination unknown or the Lost Pupils Database (X), and an
#: independent destination (M).
LEA_SENTINELS = frozenset({"XXX", "MMM"})
ESTAB_SENTINELS = frozenset({"XXXX", "MMMM"})

#: LA codes a permanent UPN may carry (characters 2-4): the 2011 list python-stdnum
#: checks, plus 838-839 and 940-943 for the unitary authorities created since 2019
#: (unconfirmed: check against the DfE's current list of LA codes).
LA_CODES = frozenset(
    _words(
        """
    201 202 203 204 205 206 207 208 209 210 211 212 213 301 302 303 304 305 306 307 308 309
    310 311 312 313 314 315 316 317 318 319 320 330 331 332 333 334 335 336 340 341 342 343
    344 350 351 352 353 354 355 356 357 358 359 370 371 372 373 380 381 382 383 384 390 391
    392 393 394 420 800 801 802 803 805 806 807 808 810 811 812 813 815 816 821 822 823 825
    826 830 831 835 836 837 838 839 840 841 845 846 850 851 852 855 856 857 860 861 865 866
    867 868 869 870 871 872 873 874 876 877 878 879 880 881 882 883 884 885 886 887 888 889
    890 891 892 893 894 895 896 908 909 916 919 921 925 926 928 929 931 933 935 936 937 938
    940 941 942 943
    """
    )
)
#: Pseudo LA codes that only temporary UPNs carry.
TEMPORARY_LA_CODES = frozenset({"001", "002", "003", "004", "005"})

SEX_CODES = frozenset({"M", "F", "U"})

NC_YEARS = frozenset({"E1", "E2", "N1", "N2", "R", "X", *(str(n) for n in range(1, 15))})

#: SEN provision: N, K (SEN support), E (EHC plan); historic S (statement), A and P.
SEN_PROVISION = frozenset({"N", "K", "E", "S", "A", "P"})
SEN_TYPES = frozenset(
    {"SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "OTH", "NSA"}
)

#: DfE main ethnicity codes, then extended codes that roll up to them (unconfirmed list).
ETHNICITY_MAIN = frozenset(
    _words(
        """
    WBRI WIRI WIRT WOTH WROM MWBC MWBA MWAS MOTH AIND APKN ABAN AOTH BCRB BAFR BOTH CHNE
    OOTH REFU NOBT
    """
    )
)
ETHNICITY_EXTENDED: dict[str, str] = {
    **dict.fromkeys(_words("WCOR WENG WSCO WWEL WOWB"), "WBRI"),
    **dict.fromkeys(
        _words(
            "WALB WPOL WBOS WCRO WGRE WGRK WGRC WITA WKOS WPOR WSER WTUR WTUK WTUC WEUR WEEU "
            "WWEU WOTW"
        ),
        "WOTH",
    ),
    **dict.fromkeys(_words("WROG WROR WROO"), "WROM"),
    **dict.fromkeys(_words("MAOE MABL MACH MBOE MCOE MWOE MOTM"), "MOTH"),
    **dict.fromkeys(_words("AMPK AKPA AOPK"), "APKN"),
    **dict.fromkeys(_words("AAFR AKAO ANEP ASNL ASLT ASRO AOTA"), "AOTH"),
    **dict.fromkeys(_words("BANN BCON BGHA BNGN BSLN BSOM BSUD BAOF"), "BAFR"),
    **dict.fromkeys(_words("BEUR BNAM BOTB"), "BOTH"),
    **dict.fromkeys(_words("CHKC CMAL CSNG CTWN COCH"), "CHNE"),
    **dict.fromkeys(
        _words(
            "OAFG OARA OEGY OFIL OIRN OIRQ OJPN OKOR OKRD OLAM OLEB OLIB OMAL OMRC OPOL OTHA "
            "OVIE OYEM OOEG"
        ),
        "OOTH",
    ),
}
ETHNICITY = ETHNICITY_MAIN | ETHNICITY_EXTENDED.keys()

#: Language codes that mean English (so the pupil does not have EAL).
ENGLISH = frozenset({"ENG", "ENB"})
#: The ``LanguageType`` of the first language.
FIRST_LANGUAGE = "F"

#: Contact relationship codes (unconfirmed): unknown codes are kept as they are.
RELATIONSHIPS: dict[str, str] = {
    "PAM": "Mother",
    "PAF": "Father",
    "PAR": "Parent",
    "CAR": "Carer",
    "FOM": "Foster mother",
    "FOF": "Foster father",
    "STM": "Step-mother",
    "STF": "Step-father",
    "GRM": "Grandmother",
    "GRF": "Grandfather",
    "REL": "Other relative",
    "SWR": "Social worker",
    "CHM": "Childminder",
    "OTH": "Other contact",
}

BOOLEANS = {"true": True, "false": False, "1": True, "0": False}
