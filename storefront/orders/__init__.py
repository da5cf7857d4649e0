"""Orders: line snapshots, stock reservations, the status machine and refund bookkeeping."""
