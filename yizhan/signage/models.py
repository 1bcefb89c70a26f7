"""Models of the signage app."""
