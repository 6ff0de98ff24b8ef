"""Who someone is to a subject or an object, now: relationship facts loaded once per request,
the pure consent decision `decide()` and its SQL twin, pure deciders for the other governed
objects, and `load_and_authorize`."""
