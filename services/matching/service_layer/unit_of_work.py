from services.matching.adapters.profiles import EnterpriseProfiles, InstitutionProfiles, ResearcherProfiles
from services.matching.adapters.proposals import (
    AppointmentRepository,
    EvaluationMarkRepository,
    OverrideRepository,
    ProposalRepository,
)
from services.matching.adapters.repository import NeedSnapshotRepository
from services.matching.adapters.runs import PreparationRepository, RunRepository
from shared.unit_of_work import SqlAlchemyUnitOfWork


class MatchingUnitOfWork(SqlAlchemyUnitOfWork):
    def _open(self) -> None:
        self.needs = NeedSnapshotRepository(self.session)
        self.researchers = ResearcherProfiles(self.session)
        self.institutions = InstitutionProfiles(self.session)
        self.enterprises = EnterpriseProfiles(self.session)
        self.runs = RunRepository(self.session)
        self.preparations = PreparationRepository(self.session)
        self.proposals = ProposalRepository(self.session)
        self.overrides = OverrideRepository(self.session)
        self.appointments = AppointmentRepository(self.session)
        self.evaluation_marks = EvaluationMarkRepository(self.session)
