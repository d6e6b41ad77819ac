"""SEIP: case management and outcomes for Secondary Education and Inclusion Partnerships."""
