"""Pure ranking code: no ORM, no settings read. Plain data in, ranked and explained matches out.

collection = Collection(dim=384)                   # or Collection(None): lexical only
collection.add_many([(id, tokenize(text), facts), ...])
collection.set_vectors(ids, vectors)
collection.rank(Query(tokens, vector, need=NeedFacts(...)), top=10)
"""

from hebi.matching.engine.embedders import Embedder, get_embedder, text_hash
from hebi.matching.engine.fit import FundFacts, NeedFacts, OfferFacts, need_offer_fit, offer_fund_fit
from hebi.matching.engine.ranker import Collection, Match, Query
from hebi.matching.engine.reasons import Reason, render, summary
from hebi.matching.engine.tokens import split_tokens, tokenize

__all__ = [
    "Collection",
    "Embedder",
    "FundFacts",
    "Match",
    "NeedFacts",
    "OfferFacts",
    "Query",
    "Reason",
    "get_embedder",
    "need_offer_fit",
    "offer_fund_fit",
    "render",
    "split_tokens",
    "summary",
    "text_hash",
    "tokenize",
]
