"""The Python reference service: FastAPI + XGBoost, pandas one-hot per request as users write
it. POST /predict with {"records": [...]} answers {"predictions": [P(churn)...]}.
Run: MODEL_DIR=... uvicorn xgb_service:app --workers 1 --port 8091"""
import json
import os

import pandas as pd
import xgboost as xgb
from fastapi import FastAPI
from pydantic import BaseModel

MODEL_DIR = os.environ["MODEL_DIR"]
model = xgb.XGBClassifier()
model.load_model(f"{MODEL_DIR}/model.json")
model.set_params(n_jobs=1)
with open(f"{MODEL_DIR}/columns.json") as f:
    COLUMNS = json.load(f)

app = FastAPI()


class Request(BaseModel):
    records: list[dict]


@app.post("/predict")
def predict(request: Request):
    frame = pd.DataFrame(request.records)
    frame["total_charges"] = pd.to_numeric(frame["total_charges"], errors="coerce")
    x = pd.get_dummies(frame, dtype=float).reindex(columns=COLUMNS, fill_value=0.0)
    return {"predictions": model.predict_proba(x)[:, 1].tolist()}
