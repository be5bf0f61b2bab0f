"""Device layer: transports, protocol codecs, drivers and the simulator."""
