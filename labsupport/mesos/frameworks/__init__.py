"""Built-in Mesos frameworks that learners run and read: Marathon, Chronos and a Spark-like Batch.

Each is a :class:`labsupport.mesos.Scheduler` on the public scheduler API only (offers, accept,
decline, suppress, revive, kill, status updates), built with the cluster's clock:

* :class:`Marathon` (marathon.py) -- long-running apps from Marathon app JSON: constraints, service and host
  ports, health checks, relaunch with backoff, Mesos-DNS names; ``apps()`` like Marathon's UI. The app
  definition (validation, defaults, backoff formula) is in marathon_app.py, placement constraints in constraints.py;
* :class:`Chronos` (chronos.py) -- jobs on ISO 8601 repeating intervals, retries, parent jobs; ``jobs()``;
* :class:`Batch` (batch.py) -- Spark-like jobs of many short tasks with delay scheduling; ``stats()``;
* :class:`OfferHygiene` (base.py) -- what they share: decline with a long filter, suppress when idle, revive.

>>> from labsupport import mesos
>>> from labsupport.mesos.frameworks import Marathon
>>> cluster = mesos.Cluster(seed=0)
>>> cluster.add_agent("agent-1", "cpus:4;mem:8192")
>>> marathon = Marathon(cluster.sim)
>>> fid = cluster.register(marathon, name="marathon")
>>> _ = marathon.add_app({"id": "/hello", "cmd": "sleep infinity", "cpus": 0.5, "mem": 64})
>>> cluster.run(3)
>>> marathon.apps().rows[0]["INSTANCES"]
'1/1'
"""
from labsupport.mesos.frameworks.base import DECLINE_SECONDS, FrameworkError, OfferHygiene
from labsupport.mesos.frameworks.batch import LOCALITY_WAIT, MAX_TASK_FAILURES, Batch, BatchJob
from labsupport.mesos.frameworks.chronos import Chronos, JobDefinitionError, parse_duration, parse_schedule
from labsupport.mesos.frameworks.constraints import meets_constraints
from labsupport.mesos.frameworks.marathon import Marathon
from labsupport.mesos.frameworks.marathon_app import App, AppDefinitionError, launch_delay, parse_app
from labsupport.mesos.frameworks.stateful import StatefulDatabase  # issue 15

__all__ = [
    "DECLINE_SECONDS", "LOCALITY_WAIT", "MAX_TASK_FAILURES", "App", "AppDefinitionError", "Batch", "BatchJob", "Chronos",
    "FrameworkError", "JobDefinitionError", "Marathon", "OfferHygiene", "launch_delay", "meets_constraints", "parse_app",
    "parse_duration", "parse_schedule",
    "StatefulDatabase",  # issue 15
]
