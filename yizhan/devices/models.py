"""Models of the devices app."""
