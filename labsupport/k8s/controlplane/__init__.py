"""The control plane's own high availability: etcd quorum (:mod:`.etcd`), leader Leases (:mod:`.lease`),
and the members that run them (:mod:`.ha`)."""
from labsupport.k8s.controlplane.etcd import (
                                              ELECTION_TIMEOUT,
                                              HEARTBEAT_INTERVAL,
                                              EtcdCluster,
                                              EtcdUnavailableError,
                                              fault_tolerance,
                                              quorum,
)
from labsupport.k8s.controlplane.ha import API_ENDPOINT, ControlPlane, ControlPlaneUnavailableError
from labsupport.k8s.controlplane.lease import LEASE_DURATION, RENEW_DEADLINE, RETRY_PERIOD, LeaderElector

__all__ = ["EtcdCluster", "EtcdUnavailableError", "quorum", "fault_tolerance", "HEARTBEAT_INTERVAL", "ELECTION_TIMEOUT",
           "ControlPlane", "ControlPlaneUnavailableError", "API_ENDPOINT", "LeaderElector", "LEASE_DURATION", "RENEW_DEADLINE",
           "RETRY_PERIOD"]
