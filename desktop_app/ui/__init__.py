"""Qt widgets of the Verify Desk window (talks to desktop_app.services only)."""
