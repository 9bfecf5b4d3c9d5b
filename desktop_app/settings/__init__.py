"""Profiles, preferences, folders and credentials (Qt-free; settings are a JSON file).

* ``paths``: ``AppPaths``, the platform folders (``VERIFY_DESK_HOME`` overrides).
* ``profiles``: ``Profile`` / ``ProfileStore`` with the built-in Sandbox profile.
* ``preferences``: ``Preferences`` / ``PreferencesStore``.
* ``credentials``: the ``CredentialStore`` protocol, the keyring and session stores.

Secrets never reach ``settings.json``, logs or reprs.
"""
