TITLE VecStim: artificial cell emitting events at the times stored in a Vector

COMMENT
Written for the isf project from the description in LEGACY_FORMATS.md
section 6.5 (NEURON 9 wheels do not provide a VecStim); no existing mod file
was used.

Use (times in ms, sorted ascending):

    vs = h.VecStim()
    vs.play(h.Vector([5.0, 5.0, 12.5]))
    nc = h.NetCon(vs, synapse)      # events reach the target after nc.delay

Semantics:
  * One event is emitted for every element of the Vector, including repeated
    times (several events at the same time).  NetCons from a VecStim deliver
    each event to their target after their own delay; the NetCon threshold is
    irrelevant.
  * The Vector is read from finitialize on: play() only stores it, so a
    Vector may be filled or replaced between trials, and every finitialize
    restarts from its first element.  play() with a new Vector replaces the
    previous one, play() without an argument removes it (no events); call
    play() between runs, it takes effect at the next finitialize.
  * Times earlier than t at finitialize (i.e. negative times for the usual
    t = 0 start) are skipped: they are never delivered.  Times equal to the
    initial t are delivered at that t.
  * play() checks that the Vector holds finite, ascending times and raises a
    hoc error (RuntimeError in Python) otherwise.  The Vector must not be
    made unsorted later; an element found earlier than the current time
    during a run is delivered immediately instead of being lost.
  * The VecStim keeps a reference to the played Vector, so the Vector stays
    valid even if the caller drops it.  Its contents are read at every event,
    so resizing it is safe.
  * Events are emitted with exactly the played times (net_event(time)), with
    the variable (CVode) and the fixed time step; a NetCon delivers an event
    at played time + NetCon delay.  With the fixed step NEURON applies an
    event of time te to its target at the start of the step [t, t + dt] with
    te <= t + dt/2, i.e. at the nearest step boundary (tested in isf).
  * CoreNEURON is not supported (no data transfer of the Vector).

Internals: the Vector (IvocVect*) is kept in a BBCOREPOINTER slot of the
instance; VERBATIM code is limited to access to that Vector and to the
rounding-safe delay (std::nextafter).  RANGE variables (read only): `index`,
position of the next element to read; `etime`, time of the pending event.
ENDCOMMENT

NEURON {
    THREADSAFE
    ARTIFICIAL_CELL VecStim
    BBCOREPOINTER ptr
    RANGE index, etime
}

ASSIGNED {
    index (1)
    etime (ms)
    ptr
}

INITIAL {
    index = 0
    if (next_time(1) == 1) {
        net_send(delay_to(etime), 1)
    }
}

NET_RECEIVE (w) {
    : flag 1: the self-event scheduled for the element read last (etime);
    : events from NetCons targeting a VecStim (flag 0) are ignored
    if (flag == 1) {
        if (etime > t) {
            net_event(etime)
        } else {
            net_event(t)
        }
        if (next_time(0) == 1) {
            net_send(delay_to(etime), 1)
        }
    }
}

COMMENT
next_time(skip_past): read the element at `index` into `etime`, advance
`index` and return 1; return 0 (and leave etime alone) if there is none.
With skip_past = 1 elements earlier than t are passed over first.
ENDCOMMENT
FUNCTION next_time(skip_past) {
VERBATIM
    IvocVect* vec = static_cast<IvocVect*>(_p_ptr);
    _lnext_time = 0.0;
    if (vec) {
        const int size = vector_capacity(vec);
        const double* x = vector_vec(vec);
        int k = static_cast<int>(index);
        if (_lskip_past != 0.0) {
            while (k < size && x[k] < t) {
                ++k;
            }
        }
        if (k < size) {
            etime = x[k];
            index = k + 1;
            _lnext_time = 1.0;
        } else {
            index = size;
        }
    }
ENDVERBATIM
}

COMMENT
delay_to(te): delay for net_send such that the self-event arrives at te or
at most a rounding error earlier (t + delay <= te in floating point), never
later; 0 if te <= t.  The event is then emitted with net_event(te), so the
time seen by NetCons (and NetCon.record) is exactly the played time.
ENDCOMMENT
FUNCTION delay_to(te (ms)) (ms) {
VERBATIM
    double td = _lte - t;
    if (!(td > 0.0)) {
        td = 0.0;
    }
    while (td > 0.0 && t + td > _lte) {
        td = std::nextafter(td, 0.0);
    }
    _ldelay_to = td;
ENDVERBATIM
}

PROCEDURE play() {
VERBATIM
    IvocVect* vec = nullptr;
    if (ifarg(1)) {
        vec = vector_arg(1);
        const int size = vector_capacity(vec);
        const double* x = vector_vec(vec);
        for (int k = 0; k < size; ++k) {
            if (!std::isfinite(x[k])) {
                hoc_execerror("VecStim.play: event times must be finite numbers", nullptr);
            }
            if (k > 0 && x[k] < x[k - 1]) {
                hoc_execerror("VecStim.play: event times must be sorted in ascending order", nullptr);
            }
        }
        hoc_obj_ref(*vector_pobj(vec));
    }
    IvocVect* old = static_cast<IvocVect*>(_p_ptr);
    _p_ptr = vec;
    if (old) {
        hoc_obj_unref(*vector_pobj(old));
    }
ENDVERBATIM
}

DESTRUCTOR {
VERBATIM
    IvocVect* old = static_cast<IvocVect*>(_p_ptr);
    _p_ptr = nullptr;
    if (old) {
        hoc_obj_unref(*vector_pobj(old));
    }
ENDVERBATIM
}

VERBATIM
/* Required by BBCOREPOINTER; transfer to CoreNEURON is not supported. */
static void bbcore_write(double*, int*, int*, int*, _threadargsproto_) {
    hoc_execerror("VecStim: transfer to CoreNEURON is not supported", nullptr);
}
static void bbcore_read(double*, int*, int*, int*, _threadargsproto_) {
    hoc_execerror("VecStim: transfer from CoreNEURON is not supported", nullptr);
}
ENDVERBATIM
