"""Flight delay risk: probability that a flight arrives 15+ minutes late.

Trained by `streamscore train` (see the README) into udfs/models/delay_risk.{txt,json}.
Bound in SQL with:  CREATE TEMPORARY FUNCTION delay_risk AS 'udfs.flights.delay_risk' LANGUAGE PYTHON
"""

from pathlib import Path

from streamscore.models import model_function

MODEL_PATH = Path(__file__).parent / "models" / "delay_risk"

delay_risk = model_function(MODEL_PATH)
