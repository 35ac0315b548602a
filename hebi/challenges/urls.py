"""Web routes of challenges (揭榜挂帅): the hall and applications, review, milestone contracts."""

from hebi.challenges import urls_calls, urls_contracts, urls_review

app_name = "challenges"

urlpatterns = [*urls_calls.urlpatterns, *urls_review.urlpatterns, *urls_contracts.urlpatterns]
