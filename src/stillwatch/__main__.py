from stillwatch.cli import main

main()
