"""Built-in adapters connecting the registry to an agency's own systems (`registry_adapters`)."""
