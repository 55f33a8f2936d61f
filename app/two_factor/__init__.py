"""Your two-factor sign-in, under ``/account/two-factor``: set it up, new recovery codes, switch
it off where your roles allow. The blueprint is in ``routes``."""
