"""Imported by the validation fork server (see loader): load what every worker needs, once.

Workers fork from the fork server, so the compiled claim rules and the model it loaded
are theirs from the start, shared copy-on-write, instead of being loaded again in each
worker. They live as long as the process, so they are frozen out of the cyclic garbage
collector's scans (which otherwise took a large share of a worker's time).
"""

from __future__ import annotations

import gc

from storefront.compliance.checker import warm_up
from storefront.compliance.claims import load_families, load_lexicon
from storefront.seeding import loader  # noqa: F401  (the schemas, and what workers run)

warm_up()  # rules loaded and compiled, plans built, model loaded
load_lexicon()  # the claim vocabulary and families
load_families()
gc.freeze()
