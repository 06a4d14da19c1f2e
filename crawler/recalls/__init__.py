"""Recall notices: importers for real formats and the index that matches listings to recalls."""
