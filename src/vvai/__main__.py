from vvai.cli import main

main()
