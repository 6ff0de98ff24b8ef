"""Support agreements between a peer worker and the person they support: versions both confirm,
their wording and checks (`terms`), read by the two of them and the worker's supervisor."""
