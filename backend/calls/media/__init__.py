"""Media servers for calls: STUN/TURN credentials (coturn) and SFU rooms (Janus VideoRoom).

`turn.ice_servers_for` gives a call participant its ICE servers; `janus` creates and
destroys a call's room and authorises each participant. Both read their settings
(`ZT_STUN_URLS`, `ZT_TURN_*`, `ZT_JANUS_*`) at call time; docs/operations.md explains
running the servers.
"""
