#!/usr/bin/env python3
"""Test charm for olm: importing it fails, as a charm with a missing dependency would."""

import ops

raise RuntimeError('broken on purpose: this charm cannot be imported')


class BrokenCharm(ops.CharmBase):  # never reached
    pass


if __name__ == '__main__':
    ops.main(BrokenCharm)
