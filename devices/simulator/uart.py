"""A serial line whose two ends disagree on the baud rate, bit by bit.

``infusion-sim --line-baud BAUD`` makes the simulated monitor's port run at
BAUD while the host opens the protocol's rate. Over a pseudo-terminal or TCP
there is no baud rate at all, so the endpoint is wrapped: every byte either end
writes is turned into the bytes a UART at the other end's rate would deliver.

The receiver model is a standard UART as Linux configures it through pyserial:
it waits for the line to go low (a start bit), samples each bit in its middle at
its own bit time, and delivers the data bits it sampled even when the stop bit or
parity is wrong (pyserial clears INPCK, so the kernel neither drops nor marks
such bytes). Between two writes the line idles high.
"""

from __future__ import annotations

import math

from devices.protocols import LineSettings


def _bits(data: bytes, settings: LineSettings) -> list[int]:
    """Line levels, one per bit time of the sender: start, data LSB first, parity, stop."""
    levels: list[int] = []
    stop_bits = math.ceil(settings.stopbits)
    for byte in data:
        data_bits = [(byte >> i) & 1 for i in range(settings.bytesize)]
        levels.append(0)
        levels += data_bits
        if settings.parity in ("E", "O"):
            ones = sum(data_bits)
            levels.append(ones % 2 if settings.parity == "E" else 1 - ones % 2)
        levels += [1] * stop_bits
    return levels


def received(data: bytes, sender_baud: float, receiver_baud: float, settings: LineSettings) -> bytes:
    """The bytes a UART at ``receiver_baud`` delivers for ``data`` sent at ``sender_baud``."""
    levels = _bits(data, settings)
    if not levels:
        return b""
    sender_bit = 1.0 / sender_baud
    receiver_bit = 1.0 / receiver_baud
    end = len(levels) * sender_bit
    parity_bits = 1 if settings.parity in ("E", "O") else 0

    def level(t: float) -> int:
        i = int(t / sender_bit)
        return levels[i] if 0 <= i < len(levels) else 1  # idle high after the last bit

    out = bytearray()
    t = 0.0
    while t < end:
        i = int(t / sender_bit)
        while i < len(levels) and levels[i] == 1:  # hunt for the line going low
            i += 1
        if i >= len(levels):
            break
        start = max(t, i * sender_bit)
        if level(start + receiver_bit / 2) != 0:  # a glitch, not a start bit
            t = start + receiver_bit / 2
            continue
        byte = 0
        for k in range(settings.bytesize):
            byte |= level(start + (1.5 + k) * receiver_bit) << k
        out.append(byte)
        t = start + (1.5 + settings.bytesize + parity_bits) * receiver_bit  # middle of the stop bit
        t += 1e-9
    return bytes(out)


class MisclockedEndpoint:
    """Wraps an endpoint so the monitor's side of the line runs at ``monitor_baud``."""

    def __init__(self, endpoint, settings: LineSettings, monitor_baud: float) -> None:
        self._endpoint = endpoint
        self._settings = settings
        self._monitor_baud = float(monitor_baud)
        self.address = endpoint.address

    def read(self, timeout: float) -> bytes | None:
        data = self._endpoint.read(timeout)
        if not data:
            return data
        return received(data, self._settings.baudrate, self._monitor_baud, self._settings)

    def write(self, data: bytes) -> int:
        garbled = received(data, self._monitor_baud, self._settings.baudrate, self._settings)
        sent = self._endpoint.write(garbled)
        return len(data) if sent >= len(garbled) else 0

    def drop_connection(self) -> None:
        self._endpoint.drop_connection()

    def hold_down(self, down: bool) -> None:
        self._endpoint.hold_down(down)

    def close(self) -> None:
        self._endpoint.close()
