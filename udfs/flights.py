"""Flight delay risk: probability that a flight arrives 15+ minutes late.

Trained by `streamscore train` (see the README) into udfs/models/delay_risk.{txt,json}.
Bound in SQL with:  CREATE TEMPORARY FUNCTION delay_risk AS 'udfs.flights.delay_risk' LANGUAGE PYTHON
"""

from pathlib import Path

from streamscore.models import model_function

MODEL_PATH = Path(__file__).parent / "models" / "delay_risk"

delay_risk = model_function(MODEL_PATH)

# The score and the version that served it (sql/jobs/flight_delays.sql writes both to flight_scores).
delay_risk_served = model_function(MODEL_PATH, outputs=("score", "version"))

# A challenger, retrained on recent history by `streamscore refit --challenger`, scores every flight in
# shadow; sql/jobs/model_monitoring.sql compares it with the live model on the same flights, and
# `streamscore promote udfs/models/delay_risk --challenger udfs/models/delay_risk_challenger` makes it live.
delay_risk_challenger = model_function(Path(__file__).parent / "models" / "delay_risk_challenger")

# The same model with every output, for explanations and audits:
#   delay_risk_explained(...).score / .label (score >= 0.5) / .version / .contributions (JSON)
delay_risk_explained = model_function(MODEL_PATH, outputs=("score", "label", "version", "contributions"))

# With an error output: rows the model cannot score (an infinite feature) carry the reason instead of
# a score, for a dead-letter sink:  ... WHERE r.error IS NOT NULL
delay_risk_checked = model_function(MODEL_PATH, outputs=("score", "version", "error"))
