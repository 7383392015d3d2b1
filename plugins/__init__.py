"""Built-in registry plugins (installed as the `registry_plugins` package)."""
