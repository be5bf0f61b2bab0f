"""The device simulator QA uses to exercise the whole serial path without a monitor."""
