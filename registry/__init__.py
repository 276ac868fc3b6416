"""Registry: administrative units, organizations, member households, users and API tokens."""
