print("privfed")
