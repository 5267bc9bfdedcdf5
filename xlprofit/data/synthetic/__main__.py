"""``python -m xlprofit.data.synthetic``: the command line of :func:`xlprofit.data.synthetic.writer.main`."""

from xlprofit.data.synthetic.writer import main

raise SystemExit(main())
