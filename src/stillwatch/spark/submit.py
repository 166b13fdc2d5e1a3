"""The file to hand ``spark-submit``: it runs the ``stillwatch`` command line.

    spark-submit --master yarn "$(python -c 'import stillwatch.spark.submit as m; print(m.__file__)')" \\
        scan LOGS... --engine spark --out results/

Under spark-submit the session takes its master and resources from spark-submit's options.
"""

from stillwatch.cli import main

if __name__ == "__main__":
    main()
