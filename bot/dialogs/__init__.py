"""The beslisboom as data: the tree and the organisation directory (YAML), their loader and machine."""
