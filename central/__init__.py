"""The central station's networking: bedsides publish to an MQTT broker, a nurses' station subscribes.

No Qt, no device code, no widgets (tests/test_layers.py checks it): this
package knows the broker, the topics and payloads (``messages``), what the
broker has acknowledged (``ledger``), the bedside's publisher that sends what
the central station missed from the recording (``publisher``, ``backlog``),
and the station that watches every bed of a site (``station``). The window is
``ui/central``; ``main.py`` wires both. docs/central-station.md describes the
topics, the payloads, the replay after an outage, security and scale.
"""
