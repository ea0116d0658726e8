"""Small areas behind ward profiles and segmentation: loading the shipped LSOA files into the database, reading them
back as frames, the figures of a ward profile (``facts.ward_profile_facts``) and segmentation runs.

No blueprint: the pages are in ``portal.segments`` (and, later, the ward profiles in ``portal.indicators``).
"""
