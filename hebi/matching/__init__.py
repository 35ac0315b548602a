"""Two-way matching of needs, results, funds and experts (精准对接供给端、需求端、资本端).

`engine/` is the pure ranking code (no ORM); the rest of the app stores vectors and feedback,
keeps the in-process index current and shows matches with their reasons."""
