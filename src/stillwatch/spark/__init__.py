"""The scan on Apache Spark (PySpark), for logs beyond one machine.

``read_exchanges`` turns logs into stored rows with the embedded ingest's own code inside
``mapInArrow``; ``SparkEngine`` runs the stages' one SQL text as Spark SQL (see
``dialect``). ``stillwatch.scan.Scanner`` is the same object on either engine. Needs the
``spark`` extra and Java 17 or newer.
"""

from stillwatch.spark.engine import SparkEngine, spark_session
from stillwatch.spark.exchanges import read_exchanges

__all__ = ["SparkEngine", "read_exchanges", "spark_session"]
