"""A local stand-in for the OpenAI API on 127.0.0.1, one scenario at a time (see docs/simulator.md).

    from doctor.sim import SCENARIOS, start
    with start("invalid-key") as sim:
        ...  # point a client at sim.base_url; sim.requests lists what it received
"""

from doctor.sim.proxy import MODES as PROXY_MODES, RunningProxy, start_proxy
from doctor.sim.scenarios import SCENARIOS, Scenario
from doctor.sim.server import RecordedRequest, RunningSim, start

__all__ = ["PROXY_MODES", "SCENARIOS", "RecordedRequest", "RunningProxy", "RunningSim", "Scenario", "start", "start_proxy"]
