# xenolith-stored and its tree/transaction core (xenstore-like/).
