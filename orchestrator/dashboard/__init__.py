"""``olm dashboard``: a read-only web page of the model, the metal and the hooks."""
