from keras_recipes.cli.main import main

main()
