"""Ringscope: graph-database campaign attribution for distillation-attack rings."""

import os

# Lockstep detection multiplies small matrices; multithreaded BLAS on a 2-core machine under load
# was ~50x slower than one thread, so one thread is the default unless the user says otherwise.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
