"""Qt widgets: they display what the domain layer says and forward user actions."""
