"""Flight delay risk: probability that a flight arrives 15+ minutes late.

Trained by `streamscore train` (see the README) into udfs/models/delay_risk.{txt,json}.
Bound in SQL with:  CREATE TEMPORARY FUNCTION delay_risk AS 'udfs.flights.delay_risk' LANGUAGE PYTHON
"""

from pathlib import Path

from streamscore.models import model_function

MODEL_PATH = Path(__file__).parent / "models" / "delay_risk"

delay_risk = model_function(MODEL_PATH)

# The same model with every output, for explanations and audits:
#   delay_risk_explained(...).score / .label (score >= 0.5) / .version / .contributions (JSON)
delay_risk_explained = model_function(MODEL_PATH, outputs=("score", "label", "version", "contributions"))

# With an error output: rows the model cannot score (an infinite feature) carry the reason instead of
# a score, for a dead-letter sink:  ... WHERE r.error IS NOT NULL
delay_risk_checked = model_function(MODEL_PATH, outputs=("score", "version", "error"))
