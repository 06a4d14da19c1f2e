"""hazards: find hazardous children's products and recalled goods on Korean-market shops."""

__version__ = "0.1.0"
