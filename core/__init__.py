"""Infrastructure shared by every feature: factory, config, extensions, db base, errors."""
