"""Domain layer: readings, time, session, alarms and recording. No Qt widgets here."""
