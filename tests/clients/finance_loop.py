"""The loop a finance system runs, through the client generated from the document:
sell a pack, page through the ledger with `next_cursor`, follow the events feed from
where it stopped, read a statement and reconcile it with the balance.

    finance_loop.py BASE_URL FIXTURE_JSON CLIENT_PACKAGE_DIR

FIXTURE_JSON holds {"customer", "month", "tokens": {"account_manager", "finance"}}.
Prints `finance loop: ok …` on success.
"""

import json
import pathlib
import sys
from decimal import Decimal

base, fixture_path, package_dir = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
sys.path.insert(0, str(package_dir.parent))
client_module = __import__(package_dir.name)

from importlib import import_module  # noqa: E402

api = lambda path: import_module(f"{package_dir.name}.api.{path}")  # noqa: E731
models = import_module(f"{package_dir.name}.models")

fixture = json.loads(pathlib.Path(fixture_path).read_text())
customer = fixture["customer"]
am = client_module.AuthenticatedClient(base_url=base, token=fixture["tokens"]["account_manager"],
                                       raise_on_unexpected_status=True)
finance = client_module.AuthenticatedClient(base_url=base, token=fixture["tokens"]["finance"],
                                            raise_on_unexpected_status=True)


def check(condition, message):
    if not condition:
        print(f"finance loop: FAILED: {message}")
        sys.exit(1)


def sell(units, reference):
    pack = api("ledger.sell_pack").sync(
        customer, client=am, body=models.PackInput(units=units, order_reference=reference),
        idempotency_key=f"finance-loop-{reference}",
    )
    check(isinstance(pack, models.Pack), f"sell_pack answered {pack!r}")
    return pack


def read_ledger(after=None, limit=2):
    """Every entry after the cursor, page by page; returns them and the cursor to keep.
    A feed's `next_cursor` is always there (where to poll from next): a short page
    means the reader has caught up."""
    entries, cursor, pages = [], after, 0
    while True:
        kwargs = {"client": finance, "customer_id": customer, "limit": limit}
        if cursor is not None:
            kwargs["after"] = cursor
        page = api("finance.ledger").sync(**kwargs)
        check(isinstance(page, models.EntryPage), f"ledger answered {page!r}")
        entries.extend(page.data)
        pages += 1
        check(isinstance(page.next_cursor, str) or (cursor is None and not page.data),
              f"no next_cursor after {cursor}")
        if isinstance(page.next_cursor, str):
            cursor = page.next_cursor
        if len(page.data) < limit:
            return entries, cursor, pages


def read_events(after=None):
    events, cursor = [], after
    while True:
        kwargs = {"client": finance, "customer_id": customer, "limit": 3}
        if cursor is not None:
            kwargs["after"] = cursor
        page = api("finance.events").sync(**kwargs)
        check(isinstance(page, models.EventPage), f"events answered {page!r}")
        events.extend(page.data)
        if isinstance(page.next_cursor, str):
            cursor = page.next_cursor
        if len(page.data) < 3:
            return events, cursor


# 1. Two packs, then the whole ledger in pages of two.
sell("10.00", "PO-A")
sell("5.50", "PO-B")
sell("2.25", "PO-C")
first, cursor, pages = read_ledger()
check(len(first) >= 3 and pages >= 2, f"{len(first)} entries in {pages} pages")
seqs = [e.seq for e in first]
check(seqs == sorted(seqs) and len(set(seqs)) == len(seqs), f"positions out of order {seqs}")
check([e.kind for e in first][-3:] == ["grant"] * 3, [e.kind for e in first])

# 2. Incremental: only what was written after the cursor arrives.
sell("4.00", "PO-D")
again, cursor2, _ = read_ledger(after=cursor)
check([e.units for e in again] == ["4.00"], f"incremental read gave {[e.units for e in again]}")
nothing, cursor3, _ = read_ledger(after=cursor2)
check(nothing == [] and cursor3 == cursor2, "a caught-up reader got entries again")

# 3. The events feed, followed the same way.
events, event_cursor = read_events()
check(sum(1 for e in events if e.kind == "pack_sold") == 4, [e.kind for e in events])
sell("1.00", "PO-E")
more, _ = read_events(after=event_cursor)
check([e.kind for e in more] == ["pack_sold"], [e.kind for e in more])

# 4. The statement reconciles with the ledger and the balance.
statement = api("ledger.statement").sync(customer, fixture["month"], client=finance)
check(isinstance(statement, models.Statement), f"statement answered {statement!r}")
lines = sum(Decimal(e.units) for e in statement.entries)
check(Decimal(statement.closing) == Decimal(statement.opening) + lines,
      f"closing {statement.closing} != opening {statement.opening} + {lines}")
balance = api("ledger.balance").sync(customer, client=finance)
check(isinstance(balance, models.Balance), f"balance answered {balance!r}")
check(Decimal(balance.total) == Decimal(statement.closing) == Decimal("22.75"),
      f"balance {balance.total}, statement closing {statement.closing}")
print(f"finance loop: ok entries={len(first) + len(again)} pages={pages} events={len(events) + len(more)} "
      f"closing={statement.closing}")
