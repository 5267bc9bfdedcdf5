"""Deterministic synthetic data: a B2B distributor and its customers.

:func:`generate` builds the six input tables of DESIGN section 3 (``customers,
transactions, activities, resources, usage, parameters``) for a wholesale distributor
selling about 150 products through field sales, inside sales and Web/EDI. The numbers
tell the story that customer profitability analysis exists to uncover:

* customer sizes are heavily skewed (log-normal, Pareto-like: the top fifth of the
  customers buys about four fifths of the revenue);
* small customers who still receive sales visits and service calls lose money;
* a few large customers lose money too: deep discounts, many small and rushed orders,
  frequent visits, calls, complaints and returns ("demanding" customers);
* a group of customers turns unprofitable in the last quarters: falling volume with
  rising service, returns and rush orders, invoices left unpaid and, for some, bad debt;
* customers come and go: some are won inside the window and buy only from then on,
  others are lost inside it, early or late, and stop buying and being served; while
  active, a customer's orders arrive at random (Poisson-like) at its own rate, so that a
  BG/NBD model tells the lost from the active by their recency;
* sale buyers take most of their revenue at a deep discount (at least
  :data:`SALE_DEPTH` off), while everybody else buys at full price or a small discount;
  they earn a lower margin and are lost more often;
* a few referrers brought in several of the other customers (``referred_by``).

``generate(..., truth=True)`` also returns that truth, customer by customer
(:func:`.customers.truth_table`): it is decided once per customer, so the blocks of
lines stay independent.

Randomness is organised in independent streams (``np.random.SeedSequence(seed,
spawn_key=...)``): one for the customers, one for their line counts, one for the
product catalogue, one for the quarterly service usage and one per block of
:data:`BLOCK_LINES` invoice lines. A block
never depends on the blocks before it, so :func:`iter_transaction_chunks` can produce
any number of lines chunk by chunk with bounded memory, and the concatenated chunks
equal ``generate(...)["transactions"]`` row for row. Everything is vectorised with
numpy; nothing depends on hash randomisation or on the ordering of sets.

The invoice lines are laid out quarter by quarter; inside a block, orders are numbered
by date, so an order number grows with its date whenever the whole analysis window fits
in one block (as in the demo dataset). An order never spans two blocks.

``python -m xlprofit.data.synthetic --demo`` rewrites the embedded demo dataset in
:data:`xlprofit.data.DEMO_DIR` byte for byte.

The package's modules, each importing only those above it:

``common``
    sizes, the default seed, the random streams and the argument checks;
``customers``
    the calendar and everything decided per customer (:func:`customers_table`);
``lines``
    the product catalogue, the line plan and the blocks of invoice lines (:func:`iter_chunks`);
``usage``
    the quarterly service usage, the activities, the resources and the parameters;
``tables``
    :func:`generate`, the six tables together;
``writer``
    the tables as files (:func:`write_tables`, :func:`write_demo`) and the command line.
"""

from __future__ import annotations

from xlprofit.data.synthetic.common import BLOCK_LINES, DEFAULT_SEED, DEMO_CUSTOMERS, DEMO_LINES
from xlprofit.data.synthetic.customers import CHANNELS as CHANNELS
from xlprofit.data.synthetic.customers import REGIONS as REGIONS
from xlprofit.data.synthetic.customers import SALE_DEPTH, customers_table
from xlprofit.data.synthetic.customers import SEGMENTS as SEGMENTS
from xlprofit.data.synthetic.lines import iter_chunks, iter_transaction_chunks
from xlprofit.data.synthetic.tables import generate
from xlprofit.data.synthetic.writer import main, write_demo, write_tables

__all__ = [
    "BLOCK_LINES",
    "DEFAULT_SEED",
    "DEMO_CUSTOMERS",
    "DEMO_LINES",
    "SALE_DEPTH",
    "customers_table",
    "generate",
    "iter_chunks",
    "iter_transaction_chunks",
    "main",
    "write_demo",
    "write_tables",
]
