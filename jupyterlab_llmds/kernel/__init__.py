"""Code that runs inside the user's kernel.

Everything in this package keeps its top-level imports to the standard
library: it is imported into users' kernels, where pandas may not be imported
yet (then there is nothing to inspect) and where import time is the user's
time. pandas and numpy are reached through ``sys.modules`` or imported inside
functions that only run once a DataFrame has been found.
"""
