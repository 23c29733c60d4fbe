"""Run functions at the same instant in threads, for tests of concurrent claims."""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Iterable


def run_together(function: Callable, arguments: Iterable) -> tuple[list, list[BaseException]]:
    """Call `function(argument)` for each argument, all released at once by a barrier;
    return the results and the exceptions raised (in no particular order)."""
    arguments = list(arguments)
    barrier = threading.Barrier(len(arguments))
    results, errors = [], []

    def run(argument) -> None:
        try:
            barrier.wait()
            results.append(function(argument))
        except Exception as error:  # surfaced by the caller's assertions
            errors.append(error)

    threads = [threading.Thread(target=run, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
